import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep worker count small so suites that start servers or engines do not starve.
    maxWorkers: 2,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
