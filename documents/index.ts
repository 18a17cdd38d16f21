/**
 * Legal documents (PDF) of the collections unit: schemas of their inputs and the renderer.
 * Pure: call it from an activity, store the bytes with their SHA-256, serve them from the API.
 */
export {
  renderDocument,
  parseDocumentInput,
  DocumentInputError,
  type RenderedDocument,
} from './render.js';
export { agreementFigures, instalmentRows } from './from-domain.js';
export { DEFAULT_LEGAL_BASIS } from './legal-basis.js';
export * from './types.js';
