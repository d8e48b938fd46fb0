// A program whose types are known: it prints what reflect and unsafe say
// about each, so that exray's reading of the binary's type descriptors can be
// held against the program's own view (tests/go/types_check.py).
package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

// Shape has methods, so its descriptor carries an uncommon type and methods.
type Shape interface {
	Area() float64
	Name() string
}

type Point struct {
	X, Y int32
}

type Rect struct {
	Point           // embedded
	W, H    float64 `json:"w"`
	label   string
	Visible bool
}

func (r Rect) Area() float64  { return r.W * r.H }
func (r Rect) Name() string    { return "rect:" + r.label }
func (r *Rect) Grow(d float64) { r.W += d; r.H += d }

type Circle struct {
	R float64
}

func (c *Circle) Area() float64 { return 3.14159 * c.R * c.R }
func (c *Circle) Name() string  { return "circle" }

// Celsius is a named basic type with a method.
type Celsius float64

func (c Celsius) String() string { return fmt.Sprintf("%.1fC", float64(c)) }

// Pair is generic: each instantiation is its own type.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

func (p Pair[K, V]) First() K { return p.Key }

type Registry map[string][]Shape

type Handler func(int, string) (bool, error)

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

type fact struct {
	name, kind, pkg string
	size, align     uintptr
	methods         int
}

func describe(t reflect.Type) fact {
	return fact{t.String(), t.Kind().String(), t.PkgPath(), t.Size(), uintptr(t.Align()), t.NumMethod()}
}

func main() {
	var shapes []Shape
	shapes = append(shapes, Rect{Point{1, 2}, 3, 4, "a", true}, &Circle{2})
	var w io.Writer = &countWriter{}
	var s fmt.Stringer = Celsius(21.5)
	reg := Registry{"all": shapes}
	var h Handler = func(i int, s string) (bool, error) { return i > len(s), nil }
	p1 := Pair[string, int]{"a", 1}
	p2 := Pair[int, *Rect]{2, &Rect{}}
	fmt.Fprintln(w, s, len(reg), p1.First(), p2.First())
	ok, _ := h(3, "ab")
	_ = ok
	values := []any{Point{}, Rect{}, &Rect{}, Circle{}, &Circle{}, Celsius(0), p1, p2, reg, h,
		&countWriter{}, []Shape(nil), map[string]int(nil), [4]uint16{}, make(chan Point)}
	var facts []fact
	for _, v := range values {
		facts = append(facts, describe(reflect.TypeOf(v)))
	}
	facts = append(facts, describe(reflect.TypeOf((*Shape)(nil)).Elem()))
	sort.Slice(facts, func(i, j int) bool { return facts[i].name < facts[j].name })
	for _, f := range facts {
		fmt.Printf("type\t%s\t%s\t%d\t%d\t%d\t%s\n", f.name, f.kind, f.size, f.align, f.methods, f.pkg)
	}
	rt := reflect.TypeOf(Rect{})
	for i := 0; i < rt.NumField(); i++ {
		fl := rt.Field(i)
		fmt.Printf("field\tmain.Rect\t%s\t%s\t%d\t%v\t%s\n", fl.Name, fl.Type, fl.Offset, fl.Anonymous, strings.ReplaceAll(string(fl.Tag), "\t", " "))
	}
	fmt.Printf("sizeof\tmain.Rect\t%d\n", unsafe.Sizeof(Rect{}))
	fmt.Fprintln(os.Stderr, "ok")
}
