//! Scope parsing never panics; an accepted scope round-trips through its wire form.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::client::Scope;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(scope) = Scope::parse(text) {
        let wire = scope.to_wire();
        let again = Scope::parse(&wire).expect("the wire form parses");
        assert_eq!(again.to_wire(), wire);
        assert!(scope.not_in(&again).is_empty());
        assert!(again.not_in(&scope).is_empty());
    }
});
