package local

import "syscall"

// syscallENOTDIR is returned when a key walks through a file, as "a/b"
// does when "a" is an object; that key does not exist either.
const syscallENOTDIR = syscall.ENOTDIR
