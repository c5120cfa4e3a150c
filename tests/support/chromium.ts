// A real headless browser for UI tests and the UI bench: Debian's chromium-headless-shell,
// driven by puppeteer-core (no browser download). Without it, browser tests are skipped with a
// note, except under CI=true, where they run and fail with what to install (as services.ts does).
import puppeteer, { type Browser } from "puppeteer-core";
import { isCI } from "./services.ts";
import { requireProgram } from "./toolchain.ts";

export const CHROMIUM_PACKAGE = "chromium-headless-shell";

/** Where Debian's package puts the browser, before looking on PATH. */
const KNOWN_PATHS = [
  "/usr/lib/chromium/chromium-headless-shell",
  "/usr/lib/chromium/chrome-headless-shell",
];
const PATH_NAMES = ["chromium-headless-shell", "chrome-headless-shell"];

/** The browser binary if it is installed, else undefined. */
export function findChromium(): string | undefined {
  for (const path of KNOWN_PATHS) if (isFile(path)) return path;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of PATH_NAMES) if (dir && isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/**
 * The browser binary, installing Debian's package when it is missing and we are root (as the
 * test-services script does for Postgres); otherwise an error naming the package.
 */
export async function ensureChromium(): Promise<string> {
  return findChromium() ?? await requireProgram(PATH_NAMES[0], CHROMIUM_PACKAGE);
}

let noted = false;

/**
 * Options for Deno.test of a test that needs the browser: ignored (with one note on stderr) when
 * it is not installed, except on CI, where the test runs and ensureChromium installs or fails.
 */
export function needsChromium(): { ignore: boolean } {
  if (findChromium() !== undefined || isCI()) return { ignore: false };
  if (!noted) {
    noted = true;
    console.error(
      `note: skipping browser tests: ${CHROMIUM_PACKAGE} is not installed; install it ` +
        `(\`apt-get install -y --no-install-recommends ${CHROMIUM_PACKAGE}\`) or run with CI=true`,
    );
  }
  return { ignore: true };
}

export interface LaunchedChromium {
  readonly browser: Browser;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile and nothing running in the background. */
export async function launchChromium(
  options: { width?: number; height?: number } = {},
): Promise<LaunchedChromium> {
  const executablePath = await ensureChromium();
  const profile = await Deno.makeTempDir({ prefix: "sluice-chromium-" });
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    defaultViewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    close: async () => {
      try {
        await browser.close();
      } finally {
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      }
    },
  };
}

/** Where UI tests and the bench save screenshots (gitignored under .sluice/). */
export function artifactDir(): string {
  const root = new URL("../../.sluice/test-artifacts/ui/", import.meta.url).pathname;
  Deno.mkdirSync(root, { recursive: true });
  return root;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
