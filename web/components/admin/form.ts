/** @module What the admin's forms share: the value of the input an event came from. */
export const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;
