// Import first in every entry point. graphql-js decides at load time whether its `instanceOf`
// also hunts for duplicate graphql modules (anything but NODE_ENV=production); that check costs
// a tenth of the CPU of a large query. We ship one graphql module, so take the plain path
// without making the whole process "production" (which would change the auth default).
const nodeEnv = process.env.NODE_ENV;
process.env.NODE_ENV = 'production';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('graphql/jsutils/instanceOf.js');
if (nodeEnv === undefined) delete process.env.NODE_ENV;
else process.env.NODE_ENV = nodeEnv;

export {};
