// RUN: qkvtie-opt %s --qkvtie-report=output=%t.missing/dir/r.json -verify-diagnostics -o /dev/null

// The message names the path and says why it cannot be opened.
// expected-error-re @+1 {{qkvtie-report: cannot open '{{.*}}.missing/dir/r.json': cannot open output file '{{.*}}': {{.+}}}}
module {
}
