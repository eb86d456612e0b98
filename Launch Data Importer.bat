@echo off
rem Double-click to set up and start the Data Importer and every service.
rem Pass --dev to open the full Dagster UI for administrators as well.
setlocal
cd /d "%~dp0"
where py >nul 2>nul && (set "PY=py -3") || (set "PY=python")
%PY% --version >nul 2>nul || (
  echo Python 3.11 or newer is needed. Install it from python.org and tick "Add Python to PATH".
  pause
  exit /b 1
)
%PY% launch.py %*
if errorlevel 1 pause
