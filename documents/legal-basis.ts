/**
 * The legal citations the documents print, in one place so that a lawyer can review them
 * together. Codes: COA = Código Orgánico Administrativo; CT = Código Tributario. Article numbers
 * follow ../shared/DOMAIN.md; the ones marked "to confirm" there stay configurable through each
 * document's `legalBasis` field.
 */

/** Where the utility's coactiva jurisdiction comes from (public companies, LOEP). */
export const COACTIVA_JURISDICTION =
  'Ley Orgánica de Empresas Públicas (LOEP), que otorga jurisdicción coactiva a las empresas públicas';

/** Default citations per document (a document may carry its own list instead). */
export const DEFAULT_LEGAL_BASIS = {
  aviso_cobro: [
    'Normativa municipal vigente sobre la prestación de los servicios de agua potable y alcantarillado del cantón Machala',
  ],
  aviso_previo_suspension: [
    'Normativa municipal vigente sobre la prestación de los servicios de agua potable y alcantarillado del cantón Machala',
  ],
  orden_suspension: [
    'Normativa municipal vigente sobre la prestación de los servicios de agua potable y alcantarillado del cantón Machala',
  ],
  orden_reconexion: [
    'Normativa municipal vigente sobre la prestación de los servicios de agua potable y alcantarillado del cantón Machala',
  ],
  convenio_pago: [
    'Código Orgánico Administrativo, arts. 274 a 278 (facilidades de pago)',
    'Código Orgánico Administrativo, art. 271 (pago voluntario)',
  ],
  titulo_credito: [
    'Código Orgánico Administrativo, art. 267 (obligación determinada, líquida y de plazo vencido)',
    'Código Orgánico Administrativo, art. 268 (requisitos del título de crédito)',
    'Código Tributario, art. 150 (requisitos del título de crédito)',
    'Código Orgánico Administrativo, art. 271 (pago voluntario)',
  ],
  razon_notificacion: [
    'Código Orgánico Administrativo, arts. 164 y siguientes (notificación)',
    'Código Orgánico Administrativo, arts. 158 y 159 (cómputo de términos en días hábiles)',
  ],
  orden_pago_inmediato: [
    'Código Orgánico Administrativo, art. 279 (orden de pago inmediato)',
    'Código Orgánico Administrativo, art. 281 (medidas cautelares)',
    'Código Orgánico Administrativo, art. 282 (embargo)',
    COACTIVA_JURISDICTION,
  ],
} as const;
