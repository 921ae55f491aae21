// What both engines' modules (src/sqlite.js, src/postgres.js) share: the queue, channel and
// stream the app uses, and the error a declined card throws.
export const EMAIL_QUEUE = 'emails'
export const EMAIL_SENT_CHANNEL = 'email-sent'
export const ORDER_STREAM = 'orders'

/** Thrown inside the checkout transaction: it rolls back the order, its job and its event. */
export class CardDeclined extends Error {}
