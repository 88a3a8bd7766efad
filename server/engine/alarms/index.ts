export { AlarmEngine, type Alarm, type AlarmState, type AlarmEngineOptions } from "./alarm-engine";
export { evaluate, type AlarmInputs, type AlarmCondition, type AlarmTable, COLLECTOR_BACKLOG_ROWS, POOL_USAGE_THRESHOLD } from "./rules";
export { alarmInputs, acknowledgeAlarm } from "./source";
