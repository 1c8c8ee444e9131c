// Where the chat remembers its session: localStorage, one key per API, and never an error if it is off.

export const storageKey = (api) => `twin:session:${api.base || location.origin}`;

export const store = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value) localStorage.setItem(key, value);
      else localStorage.removeItem(key);
    } catch {
      // Storage can be disabled (private mode, blocked third-party storage): the chat still works.
    }
  },
};
