// Semantic rules the schemas cannot express, one file per concern (context, names, graph,
// fife, secrets, references), and the resolver that fills in every default (resolve).
export { checkAndResolve, datasetText } from './resolve.js';
