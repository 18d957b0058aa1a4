/**
 * The YANG reader: parse (`parse.ts`), compile to a schema tree (`compile.ts`), if-feature
 * expressions (`features.ts`), print it as an RFC 8340 tree (`tree.ts`).
 */
export { YangError, parseYang, parseYangFile, type Stmt } from './parse.ts';
export { YangContext, indexYangFiles, type LoadOptions } from './compile.ts';
export { featureExprHolds, nodeEnabled, ownConditionsHold, parseFeatureExpr, FeatureSyntaxError, type FeatureExpr, type FeatureSet } from './features.ts';
export { printTree } from './tree.ts';
export * from './schema.ts';
