// hello: a small HTTP service for dockwise's engine tests. It answers on :8080, stops cleanly on SIGTERM,
// and `hello -check` asks a running one for /healthz (the image's HEALTHCHECK: there is no curl in a
// distroless runtime).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const address = ":8080"

func main() {
	check := flag.Bool("check", false, "exit 0 when the running service answers /healthz")
	flag.Parse()
	if *check {
		os.Exit(healthy())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello from go") })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	server := &http.Server{Addr: address, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	go func() {
		if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	log.Printf("listening on %s", address)
	<-stop.Done()
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := server.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	log.Print("stopped")
}

func healthy() int {
	client := http.Client{Timeout: 2 * time.Second}
	response, err := client.Get("http://127.0.0.1" + address + "/healthz")
	if err != nil || response.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
