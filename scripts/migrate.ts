// Applies pending migrations to $WEFT_DATA_DIR/weft.db (default ./data).
import { dbFile, migrate } from "../server/engine/config/db";

const file = dbFile();
const applied = migrate(file);
console.log(applied.length ? `migrated ${file}: ${applied.join(", ")}` : `${file} is up to date`);
