/** Injection token of the DemoSiteConfig, given to DemoSiteModule.forRoot. */
export const DEMO_SITE_CONFIG = Symbol('DEMO_SITE_CONFIG');
