export { buildHttpApp, type HttpApp, type HttpAppDeps } from './app.js';
