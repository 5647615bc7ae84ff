// Rewrites wasm-bindgen's `if (Symbol.dispose) X.prototype[Symbol.dispose] = X.prototype.free;`
// (a statement after each exported class) into a `[Symbol.dispose]()` method inside the class,
// so that a bundler can drop the classes a page does not use: the statement is a side effect
// that kept every class in every bundle. Each class's `new FinalizationRegistry(...)` is
// marked `/* @__PURE__ */` for the same reason. Where `Symbol.dispose` is undefined the method
// is named "undefined" and harmless.
//   node scripts/glue-dispose.mjs FILE...
import { readFileSync, writeFileSync } from "node:fs";

for (const file of process.argv.slice(2)) {
  let text = readFileSync(file, "utf8");
  const statement = /^if \(Symbol\.dispose\) (\w+)\.prototype\[Symbol\.dispose\] = \1\.prototype\.free;\n/gm;
  for (const [line, name] of [...text.matchAll(statement)]) {
    const head = `export class ${name} {\n`;
    const at = text.indexOf(head);
    if (at < 0) throw new Error(`${file}: no class ${name}`);
    const method = `    [Symbol.dispose]() {\n        this.free();\n    }\n`;
    text = text.replace(line, "");
    text = text.slice(0, at + head.length) + method + text.slice(at + head.length);
  }
  text = text.replace(/: new FinalizationRegistry\(/g, ": /* @__PURE__ */ new FinalizationRegistry(");
  if (/Symbol\.dispose\) \w+\.prototype/.test(text)) throw new Error(`${file}: a dispose statement is left`);
  writeFileSync(file, text);
}
