/**
 * Why a printed letter was not delivered: the codes the notifier writes on the delivery list of a
 * letter batch (documents/letter-batch.ts) and the API records (api/routes/letters.ts). Pure,
 * no imports: the web app uses the same list for its confirmation form.
 */

/** Reasons a letter came back undelivered, in the order the delivery list prints them. */
export const NON_DELIVERY_REASONS = [
  'address_not_found',
  'refused',
  'absent',
  'moved',
  'other',
] as const;
export type NonDeliveryReason = (typeof NON_DELIVERY_REASONS)[number];

/** Spanish wording, as printed on the delivery list and stored as the notice's `lastError`. */
export const NON_DELIVERY_REASON_TEXT: Record<NonDeliveryReason, string> = {
  address_not_found: 'Dirección no encontrada',
  refused: 'El destinatario se negó a recibirla',
  absent: 'Nadie en el domicilio',
  moved: 'El destinatario ya no vive en la dirección',
  other: 'Otro motivo',
};

/** `No entregada: Dirección no encontrada (portón cerrado, sin numeración)`. */
export function nonDeliveryText(reason: NonDeliveryReason, note?: string | null): string {
  const trimmed = note?.trim();
  return `No entregada: ${NON_DELIVERY_REASON_TEXT[reason]}${trimmed ? ` (${trimmed})` : ''}`;
}
