// rotor: manager (filled in by its feature).
export {};
