// The fixture of tests/go/listing_check.py: a program whose `go build
// -gcflags=-S` listing declares a nosplit function, a function with a large
// frame, a method with a pointer receiver, a generic function and a function
// the compiler inlines into its only caller.
package main

import (
	"fmt"
	"os"
)

//go:nosplit
func add(a, b int) int { return a + b }

//go:noinline
func bigFrame(n int) int {
	var buf [4096]byte
	for i := range buf {
		buf[i] = byte(i + n)
	}
	s := 0
	for _, b := range buf {
		s += int(b)
	}
	return s
}

type counter struct{ n int }

//go:noinline
func (c *counter) Inc(by int) { c.n += by }

//go:noinline
func (c counter) Value() int { return c.n }

type number interface{ ~int | ~float64 }

//go:noinline
func sum[T number](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

func twice(x int) int { return 2 * x } // inlined into main, and dropped

func unused(x int) int { return x * 3 } // never called: dead code

func main() {
	c := &counter{}
	c.Inc(add(len(os.Args), 2))
	var v interface{ Value() int } = c
	fmt.Println(bigFrame(len(os.Args)), v.Value(), sum([]int{1, 2, 3}), sum([]float64{1.5}), twice(len(os.Args)))
}
