// Codegen plugin: every field that returns a *Connection, by parent type, so that the console's
// cache gives each one relay-style pagination without a hand-kept list.
const { isObjectType, getNamedType } = require('graphql');

module.exports = {
  plugin(schema) {
    const byType = {};
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type);
        if (isObjectType(named) && named.name.endsWith('Connection') && named.getFields().edges && named.getFields().pageInfo) {
          (byType[type.name] ??= []).push(field.name);
        }
      }
    }
    return `\nexport const CONNECTION_FIELDS: Record<string, string[]> = ${JSON.stringify(byType, null, 2)};\n`;
  },
};
