// Command go-service answers HTTP requests with its name and a health endpoint.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `{"service":"go-service"}`)
	})
	log.Printf("go-service listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
