// A module whose options are checked before any function is read.
// expected-error @+1 {{qkvtie-materialize-kv-cache: capacity and prefill-tokens must be positive}}
module {
}
