// Type-checks every ```js / ```ts block of README.md as a user would paste it into a .ts file:
// `tsc --strict`, with moduleResolution bundler and node16, against the package as installed
// (node_modules/rotor). A block that imports rotor/worker is checked as a Cloudflare Worker
// (@cloudflare/workers-types, no DOM lib), one that imports rotor/sw as a service worker
// (lib webworker, `self: ServiceWorkerGlobalScope`), the others as browser code (DOM).
// The examples call a few functions of the user's own app (showSignIn, authenticate, ...):
// they are declared in each environment's preamble. Run by scripts/typecheck.sh.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT = join(ROOT, "target/readme-types");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/^```(js|ts)\n([\s\S]*?)^```$/gm)].map((m) => m[2]);
if (blocks.length < 6) throw new Error(`README.md: only ${blocks.length} js/ts blocks found`);

const USER_APP = `declare function showSignIn(): void;\ndeclare const credentials: string;\n`;
const ENVS = {
  dom: { lib: ["ES2022", "DOM", "DOM.Iterable"], types: [], preamble: USER_APP },
  webworker: {
    lib: ["ES2022", "WebWorker"],
    types: [],
    preamble: `${USER_APP}declare const self: ServiceWorkerGlobalScope;\n`,
  },
  workers: {
    lib: ["ES2022"],
    types: ["@cloudflare/workers-types"],
    preamble: `declare function authenticate(request: Request): Promise<{ id: string }>;\n`,
  },
};
const envOf = (code) => (code.includes('"rotor/worker"') ? "workers" : code.includes('"rotor/sw"') ? "webworker" : "dom");

rmSync(OUT, { recursive: true, force: true });
let failed = false;
for (const resolution of ["bundler", "node16"]) {
  for (const [env, { lib, types, preamble }] of Object.entries(ENVS)) {
    const dir = join(OUT, `${resolution}-${env}`);
    mkdirSync(dir, { recursive: true });
    const files = [];
    blocks.forEach((code, i) => {
      if (envOf(code) !== env) return;
      // Each block is its own module (export {} keeps a block without imports one too).
      const name = `block-${i + 1}.mts`;
      writeFileSync(join(dir, name), `${preamble}${code}\nexport {};\n`);
      files.push(name);
    });
    if (!files.length) continue;
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: resolution === "node16" ? "node16" : "ESNext", moduleResolution: resolution,
        lib, types, typeRoots: [join(ROOT, "node_modules/@types"), join(ROOT, "node_modules")],
        strict: true, noEmit: true, skipLibCheck: env === "workers", isolatedModules: true,
      },
      files,
    }, null, 2));
    try {
      execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", dir], { cwd: ROOT, stdio: "inherit" });
      console.log(`README blocks (${files.length}, ${env}, moduleResolution ${resolution}): tsc --strict passed`);
    } catch {
      console.error(`README blocks (${env}, moduleResolution ${resolution}): tsc --strict FAILED (files in ${dir})`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
