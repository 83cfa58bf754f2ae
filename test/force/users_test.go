package force

import (
	"context"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// Users and what RBAC lets them do on helmreleases.
const (
	admin     = "admin"      // system:masters
	readOnly  = "read-only"  // get, list, watch
	patchOnly = "patch-only" // get, list, watch, patch: exactly what force needs
)

func (st *suite) addUsers() error {
	dir, err := os.MkdirTemp("", "hrretry-force-")
	if err != nil {
		return err
	}
	ctx := context.Background()
	grants := map[string][]string{readOnly: {"get", "list", "watch"}, patchOnly: {"get", "list", "watch", "patch"}}
	for user, verbs := range grants {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "hrretry-" + user},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"helm.toolkit.fluxcd.io"}, Resources: []string{"helmreleases"}, Verbs: verbs}}}
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "hrretry-" + user},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
		if err := st.admin.Create(ctx, role); err != nil {
			return err
		}
		if err := st.admin.Create(ctx, binding); err != nil {
			return err
		}
	}
	for _, user := range []string{readOnly, patchOnly} {
		cfg, err := st.cp.AddUser(user)
		if err != nil {
			return err
		}
		st.kubeconfigs[user] = filepath.Join(dir, user+".kubeconfig")
		if err := controlplane.WriteKubeconfig(st.kubeconfigs[user], user, cfg); err != nil {
			return err
		}
	}
	st.kubeconfigs[admin] = filepath.Join(dir, "admin.kubeconfig")
	return controlplane.WriteKubeconfig(st.kubeconfigs[admin], admin, st.cp.Admin)
}
