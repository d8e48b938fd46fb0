// A fixture for the pclntab differential test: methods, closures, generics,
// and functions over two files, so names, files and lines vary.
package main

import (
	"fmt"
	"os"
	"strings"
)

type stack[T any] struct{ items []T }

func (s *stack[T]) Push(v T) { s.items = append(s.items, v) }

func (s *stack[T]) Pop() (T, bool) {
	var zero T
	if len(s.items) == 0 {
		return zero, false
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, true
}

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func main() {
	var s stack[string]
	for _, a := range os.Args {
		s.Push(a)
	}
	n := 0
	words := Map(os.Args, func(a string) int { n++; return len(a) })
	v, _ := s.Pop()
	fmt.Println(strings.ToUpper(v), words, n, shout(greeting{"hello"}))
}
