package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// floor is the least any tool can do: page through the HelmReleases (limit
// 500, as kubectl) and read the bytes, decoding nothing but the continue token.
func floor(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: bench floor KUBECONFIG")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", args[0])
	if err != nil {
		return err
	}
	cfg.GroupVersion = &schema.GroupVersion{Group: "helm.toolkit.fluxcd.io", Version: "v2"}
	cfg.APIPath, cfg.NegotiatedSerializer = "/apis", scheme.Codecs.WithoutConversion()
	c, err := rest.RESTClientFor(cfg)
	if err != nil {
		return err
	}
	pages, bytes, cont := 0, 0, ""
	for {
		req := c.Get().Resource("helmreleases").Param("limit", "500")
		if cont != "" {
			req = req.Param("continue", cont)
		}
		body, err := req.Do(context.Background()).Raw()
		if err != nil {
			return err
		}
		pages, bytes = pages+1, bytes+len(body)
		var page struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		if cont = page.Metadata.Continue; cont == "" {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "pages: %d, %d bytes\n", pages, bytes)
	return nil
}
