// Vite builds the dashboard into web/dist, which `gantry` serves (src/api/static_files.h).
// `npm run dev` proxies the API to a running gantry on 127.0.0.1:8080 (GANTRY_URL overrides).
import { defineConfig } from 'vite';

const target = process.env.GANTRY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
  server: { proxy: { '/api': { target, changeOrigin: false } } },
});
