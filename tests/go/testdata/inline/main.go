// A program whose goroutines block inside inlined calls, for traceback_check.py.
package main

import (
	"fmt"
	"os"
	"sync"
)

//go:noinline
func block(ch chan int) int { return <-ch }

func leaf(ch chan int, x int) int { return block(ch) * x }

func mid(ch chan int, x int) int { return leaf(ch, x) + 1 }

//go:noinline
func outer(ch chan int, x int) int { return mid(ch, x) + 2 }

type box struct{ ch chan int }

func (b *box) get() int { return mid(b.ch, 2) }

func main() {
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); b := &box{ch}; fmt.Println(b.get()) }()
	}
	var buf [1]byte
	os.Stdin.Read(buf[:]) // blocks until the test sends SIGQUIT
	fmt.Println(outer(ch, len(os.Args)))
	wg.Wait()
}
