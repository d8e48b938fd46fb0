// A cgo fixture for the pclntab differential test: cgo makes the go command
// link externally, and the external linker may merge .gopclntab into
// .data.rel.ro (PIE), leaving only the runtime.pclntab symbol or a scan.
package main

// int add(int a, int b) { return a + b; }
import "C"

import "fmt"

func main() { fmt.Println(C.add(1, 2)) }
