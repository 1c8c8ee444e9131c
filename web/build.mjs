// Builds web/src into web/dist: index.html + static/app.js (the page), widget.js (the embed),
// config.json (same origin, streaming from the API itself; deployments write their own), and the owner's
// room in owner/ (owner.js, owner.css: served by the app itself, never uploaded with the site). Fails if
// the widget breaks its budget.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";

const WIDGET_BUDGET_GZIP = 40 * 1024;
const dist = new URL("./dist/", import.meta.url);
const src = new URL("./src/", import.meta.url);

await rm(dist, { recursive: true, force: true });
await mkdir(new URL("static/", dist), { recursive: true });
await mkdir(new URL("owner/", dist), { recursive: true });

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  loader: { ".css": "text" },
  legalComments: "none",
  logLevel: "warning",
};
await build({ ...common, entryPoints: [new URL("page.js", src).pathname], outfile: new URL("static/app.js", dist).pathname });
await build({ ...common, entryPoints: [new URL("widget.js", src).pathname], outfile: new URL("widget.js", dist).pathname });
// The room's style is a file of its own: its pages' policy allows no inline style.
await build({ ...common, entryPoints: [new URL("owner/owner.js", src).pathname], outfile: new URL("owner/owner.js", dist).pathname });
await build({
  bundle: true,
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  entryPoints: [new URL("owner/owner.css", src).pathname],
  outfile: new URL("owner/owner.css", dist).pathname,
});
await copyFile(new URL("index.html", src), new URL("index.html", dist));
await writeFile(new URL("config.json", dist), JSON.stringify({ apiUrl: "", streamUrl: "" }) + "\n");

for (const file of ["widget.js", "static/app.js", "owner/owner.js", "owner/owner.css"]) {
  const bytes = await readFile(new URL(file, dist));
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`web/dist/${file}: ${(bytes.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
  if (file === "widget.js" && gz > WIDGET_BUDGET_GZIP) {
    console.error(`widget.js is ${gz} bytes gzipped, over its ${WIDGET_BUDGET_GZIP}-byte budget`);
    process.exit(1);
  }
}
