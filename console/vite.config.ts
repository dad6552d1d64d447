// Builds the console into ../web/console (shipped in the Python package). CONSOLE_OUT
// redirects it, so a test can compare a fresh build with the committed files.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

// {sha256 of the exact document text the console sends: that text}, for the server's
// trusted documents. Read from codegen's output, which the app sends verbatim.
function persistedDocuments(): Plugin {
  return {
    name: "canopy-persisted-documents",
    generateBundle() {
      const generated = JSON.parse(readFileSync("src/gql/persisted-documents.json", "utf8")) as Record<string, string>;
      const out: Record<string, string> = {};
      for (const [key, text] of Object.entries(generated).sort()) {
        const hash = createHash("sha256").update(text).digest("hex");
        if (key !== `sha256:${hash}`) this.error(`codegen's hash of ${key} does not match its text`);
        out[hash] = text;
      }
      this.emitFile({ type: "asset", fileName: "persisted-documents.json", source: JSON.stringify(out, null, 2) + "\n" });
    },
  };
}

export default defineConfig({
  base: "/console/",
  plugins: [preact(), persistedDocuments()],
  build: {
    outDir: resolve(process.env.CONSOLE_OUT ?? "../web/console"),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true } } },
});
