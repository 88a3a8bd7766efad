// Saved login: ~/.config/weft/credentials.json (0600), relocatable with WEFT_CONFIG_DIR.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SavedCredentials {
  server: string;
  user?: string;
  password?: string;
  token?: string;
}

export function configDir(): string {
  return process.env.WEFT_CONFIG_DIR || path.join(os.homedir(), ".config", "weft");
}

export const credentialsFile = () => path.join(configDir(), "credentials.json");

export function loadCredentials(): SavedCredentials | null {
  try {
    const c = JSON.parse(fs.readFileSync(credentialsFile(), "utf8")) as SavedCredentials;
    return typeof c.server === "string" ? c : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: SavedCredentials): string {
  const file = credentialsFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // write then chmod: the file may already exist with looser permissions
  fs.writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/** true when a file was removed */
export function removeCredentials(): boolean {
  try {
    fs.unlinkSync(credentialsFile());
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
