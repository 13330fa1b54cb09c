/** `@cdrate/billing-api-service`: the billing HTTP API, importable for tests. */
export { createBillingApiApp } from './app.js';
export type { BillingApiApp, BillingApiAppOptions, BillingApiSettings } from './app.js';
export { billingApiConfigSpec, loadBillingApiConfig, MIN_TOKEN_LENGTH } from './config.js';
export type { BillingApiConfig } from './config.js';
export { isApiPath, parseBillingRequest, tokenMatcher } from './http.js';
export type { BillingRequest, ParsedRequest, RequestProblem } from './http.js';
export { createBillingApiMetrics } from './metrics.js';
export type { BillingApiMetrics, RouteLabel } from './metrics.js';
