@echo off
rem kubectl 1.26 and later runs kubectl_complete-PLUGIN from PATH (PATHEXT applies
rem on Windows) to complete "kubectl hrretry TAB"; cobra answers __complete.
kubectl hrretry __complete %*
