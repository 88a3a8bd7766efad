"use client";
// ECharts, client-side only (imported in an effect), following the console's light/dark theme.
import { useEffect, useRef } from "react";
import { currentTheme } from "../../lib/theme";

export interface ChartSeries {
  label: string;
  points: number[];
}

export type ChartKind = "area" | "lines" | "sankey";

export function FlowChart({ buckets, series, kind = "area", unit, height = 260, links, testId }: { buckets: number[]; series: ChartSeries[]; kind?: ChartKind; unit: string; height?: number; links?: { source: string; target: string; value: number }[]; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let chart: { setOption: (o: unknown, notMerge?: boolean) => void; dispose: () => void; resize: () => void } | null = null;
    let ro: ResizeObserver | null = null;
    void import("echarts").then((echarts) => {
      if (disposed || !el.current) return;
      const dark = currentTheme() === "dark";
      chart = echarts.init(el.current, dark ? "dark" : undefined, { renderer: "canvas" });
      const text = dark ? "#cbd5e1" : "#334155";
      if (kind === "sankey") {
        // src → dst: the same name on both sides would be a cycle; suffix the targets
        const nodes = new Set<string>();
        const data = (links ?? []).map((l) => {
          nodes.add(l.source);
          nodes.add(`${l.target} `);
          return { source: l.source, target: `${l.target} `, value: l.value };
        });
        chart.setOption({ backgroundColor: "transparent", tooltip: { trigger: "item" }, series: [{ type: "sankey", data: [...nodes].map((name) => ({ name })), links: data, label: { color: text }, emphasis: { focus: "adjacency" } }] }, true);
      } else {
        chart.setOption(
          {
            backgroundColor: "transparent",
            animation: false,
            tooltip: { trigger: "axis", valueFormatter: (v: number) => `${fmt(v)} ${unit}` },
            legend: { type: "scroll", top: 0, textStyle: { color: text } },
            grid: { left: 60, right: 16, top: 32, bottom: 28 },
            xAxis: { type: "time", axisLabel: { color: text } },
            yAxis: { type: "value", axisLabel: { color: text, formatter: (v: number) => fmt(v) } },
            series: series.map((s) => ({ name: s.label, type: "line", showSymbol: false, stack: kind === "area" ? "total" : undefined, areaStyle: kind === "area" ? {} : undefined, data: buckets.map((b, i) => [b, s.points[i] ?? 0]) })),
          },
          true,
        );
      }
      ro = new ResizeObserver(() => chart?.resize());
      ro.observe(el.current);
    });
    return () => {
      disposed = true;
      ro?.disconnect();
      chart?.dispose();
    };
  }, [buckets, series, kind, unit, links]);
  return <div ref={el} style={{ height }} className="w-full" data-testid={testId} />;
}

export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
