/**
 * Imported first by `npm start` (src/local/main.ts), before any AWS SDK module loads: the SDK warns
 * on every start that later releases will need a newer Node, which this project's Node 20 (pinned
 * with the SDK versions in the lock file) does not act on. A value the caller set is kept.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
