/** Well-known keys and limits of the simulated hub. */

/** API key of the default (demo) organization. */
export const DEMO_ORG_KEY = "demo-org-key";
/** API key of the partner that sees the devices of every simulated organization. */
export const DEMO_PARTNER_KEY = "demo-partner-key";
/** Seed and size of the default organization. */
export const DEFAULT_SEED = 42;
export const DEFAULT_DEVICE_COUNT = 250;
