@echo off
rem kubectl (>= 1.26) runs kubectl_complete-<plugin> from PATH (PATHEXT applies
rem on Windows) to complete `kubectl hrretry <TAB>`; cobra answers __complete.
kubectl hrretry __complete %*
