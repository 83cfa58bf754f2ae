package clustertest

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
)

// The typed side of the Fake (Events, Secrets) is client-go's clientset
// fake, in Kube. It ignores field selectors, so the methods filter on the
// field themselves, as the server would.

// Events lists Kube's events.k8s.io/v1 Events about the release.
func (f *Fake) Events(ctx context.Context, namespace, name string) ([]eventsv1.Event, error) {
	l, err := f.Kube.EventsV1().Events(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []eventsv1.Event
	for _, e := range l.Items {
		if e.Regarding.Kind == cluster.Kind && e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}

// CoreEvents lists Kube's core/v1 Events about the release.
func (f *Fake) CoreEvents(ctx context.Context, namespace, name string) ([]corev1.Event, error) {
	l, err := f.Kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, e := range l.Items {
		if e.InvolvedObject.Kind == cluster.Kind && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}

// KindEvents lists Kube's core/v1 Events about every HelmRelease.
func (f *Fake) KindEvents(ctx context.Context, namespace string) ([]corev1.Event, error) {
	l, err := f.Kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, e := range l.Items {
		if e.InvolvedObject.Kind == cluster.Kind {
			out = append(out, e)
		}
	}
	return out, nil
}

// ReleaseSecrets lists Kube's Secrets with Helm's labels for the release.
func (f *Fake) ReleaseSecrets(ctx context.Context, namespace, release string) ([]corev1.Secret, error) {
	sel, err := labels.Parse(cluster.ReleaseSelector(release))
	if err != nil {
		return nil, err
	}
	l, err := f.Kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}
