// Minifies the import and export names of a shipped wasm module and rewrites its wasm-bindgen
// glue to match: wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and exports
// every function by its Rust name, and a page downloads each of these names twice (in the
// module and in the glue's import object / `wasm.<name>` accesses), where hash digits barely
// compress. binaryen's `--minify-imports-and-exports-and-modules` renames them all (one module
// "a", names "a", "b", ...) and prints the mapping, which this script applies to the glue.
// Only the shipped module is renamed: target/wasm-names/ keeps the names (twiggy, tests).
// Fails loudly when the glue does not have the shape it expects (wasm-bindgen is pinned).
//   node scripts/glue-names.mjs MODULE_bg.wasm GLUE.js
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [wasmFile, glueFile] = process.argv.slice(2);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FEATURES = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals", "reference-types", "multivalue"].map((f) => `--enable-${f}`);
const out = execFileSync(join(ROOT, "node_modules/.bin/wasm-opt"), [...FEATURES, "--minify-imports-and-exports-and-modules", wasmFile, "-o", wasmFile], { encoding: "utf8" });
const map = JSON.parse(out.slice(out.indexOf("{")));
const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmFile))).map((i) => i.module));
if (modules.size > 1) throw new Error(`${wasmFile}: imports from ${[...modules].join(", ")} after minifying, expected one module`);
const [module] = modules;

let text = readFileSync(glueFile, "utf8");
const fail = (what) => {
  throw new Error(`${glueFile}: ${what}`);
};

// Imports. The glue's own shims are `NAME: function(` members of `import0`; imports from other
// JS modules come in as `import * as importN from "M"` namespaces, replaced by named imports.
if (!/^ {4}const import0 = \{$/m.test(text)) fail("no `const import0 = {`");
const others = new Map(); // JS module -> [name, minified]
for (const [from, name, min] of map.imports) {
  if (/^\.\/\w+_bg\.js$/.test(from)) {
    const member = new RegExp(`^(\\s+)${name}: function\\(`, "m");
    if (!member.test(text)) fail(`no import shim ${name}`);
    text = text.replace(member, `$1${min}: function(`);
  } else {
    if (!others.has(from)) others.set(from, []);
    others.get(from).push([name, min]);
  }
}
const members = [];
for (const [from, names] of others) {
  const ns = new RegExp(`^import \\* as (import\\d+) from "${from.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"\\n`, "m");
  const found = ns.exec(text) ?? fail(`no namespace import of ${from}`);
  text = text.replace(found[0], `import { ${names.map(([n]) => n).join(", ")} } from "${from}";\n`);
  text = text.replace(new RegExp(`^\\s+"${from.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}": ${found[1]},\\n`, "m"), "");
  for (const [name, min] of names) members.push(`${min}: ${name}`);
}
const ret = /^ {4}return \{\n {8}__proto__: null,\n {8}"\.\/\w+_bg\.js": import0,\n {4}\};$/m;
if (!ret.test(text)) fail("the import object's return is not `{ __proto__: null, \"./X_bg.js\": import0 }`");
if (members.length) text = text.replace(/^ {4}\};\n {4}return \{/m, `${members.map((m) => `        ${m},\n`).join("")}    };\n    return {`);
text = text.replace(ret, `    return { __proto__: null, ${JSON.stringify(module)}: import0 };`);

// Exports: every `wasm.NAME` access.
const exports = new Map(map.exports);
text = text.replace(/(?<![\w.$])wasm\.(\w+)/g, (all, name) => (exports.has(name) ? `wasm.${exports.get(name)}` : fail(`wasm.${name} is not an export`)));
if (/__wbg_\w+_[0-9a-f]{16}: function/.test(text)) fail("an import shim is left unrenamed");

// The import shims as arrow functions where they use neither `this` nor `arguments` (a
// minifier keeps `function`: measured -0.05 KB gzipped page JS).
text = text.replace(/^( {8}\w+): function\(([^)]*)\) \{\n((?: {12}.*\n|\n)*?) {8}\},$/gm, (all, name, args, body) =>
  /\b(this|arguments)\b/.test(body) ? all : `${name}: (${args}) => {\n${body}        },`);
writeFileSync(glueFile, text);
