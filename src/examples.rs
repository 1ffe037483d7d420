//! The bundled example organisation (all values invented), embedded so `demo` works from any
//! directory.

/// (file name, contents) of every example export, in import order.
pub const FILES: &[(&str, &str)] = &[(
    "examples/aws/credential-report.csv",
    include_str!("../examples/aws/credential-report.csv"),
)];
