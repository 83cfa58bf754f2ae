package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// Kind is the kind Events about a HelmRelease name.
const Kind = "HelmRelease"

// Events lists the events.k8s.io/v1 Events about one HelmRelease.
func (c *Client) Events(ctx context.Context, namespace, name string) ([]eventsv1.Event, error) {
	l, err := c.kube.EventsV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: fields.Set{
		"regarding.kind": Kind, "regarding.name": name}.String()})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CoreEvents lists the core/v1 Events about one HelmRelease: the same
// objects as Events, for a user allowed to read only these.
func (c *Client) CoreEvents(ctx context.Context, namespace, name string) ([]corev1.Event, error) {
	l, err := c.kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: fields.Set{
		"involvedObject.kind": Kind, "involvedObject.name": name}.String()})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// KindEvents lists the core/v1 Events about every HelmRelease in namespace
// ("" for all namespaces).
func (c *Client) KindEvents(ctx context.Context, namespace string) ([]corev1.Event, error) {
	l, err := c.kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: fields.Set{
		"involvedObject.kind": Kind}.String()})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// ReleaseSecrets lists Helm's storage Secrets of one release, every
// revision (Helm's labels: owner=helm, name=RELEASE).
func (c *Client) ReleaseSecrets(ctx context.Context, namespace, release string) ([]corev1.Secret, error) {
	l, err := c.kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: ReleaseSelector(release)})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// ReleaseSelector selects Helm's storage of one release.
func ReleaseSelector(release string) string {
	return labels.Set{"owner": "helm", "name": release}.String()
}
