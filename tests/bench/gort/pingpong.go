// pingpong.go — the Go twin of bench_pingpong.c: unbuffered channel round trip, ns each.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	a, b := make(chan int), make(chan int)
	go func() {
		for v := range a {
			b <- v
		}
		close(b)
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		a <- i
		<-b
	}
	el := time.Since(t0)
	close(a)
	<-b
	fmt.Printf("%.2f\n", float64(el.Nanoseconds())/float64(n))
}
