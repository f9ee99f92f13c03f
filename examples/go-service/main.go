// Command go-service answers HTTP requests with its name; /healthz also checks that its cache answers.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	cacheAddr := os.Getenv("CACHE_ADDR") // host:port of the cache, e.g. cache:6379; empty: no cache

	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if cacheAddr != "" {
			conn, err := net.DialTimeout("tcp", cacheAddr, time.Second)
			if err != nil {
				http.Error(w, "cache unreachable: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			conn.Close()
		}
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"service":"go-service"}`)
	})

	log.Printf("go-service listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
