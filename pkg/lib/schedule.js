// rotor: schedule (filled in by its feature).
export {};
