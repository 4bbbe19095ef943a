/*
 * probe-service.exe: runs the probe agent as the Windows service "probe-agent". A Node executable
 * cannot answer the Service Control Manager (it never calls StartServiceCtrlDispatcher, so the SCM
 * gives up with error 1053); this host does, and runs the agent as its child:
 *
 *   "<this folder>\probe.exe" agent --config "%ProgramData%\probe\agent.json"
 *
 * `probe.exe install agent` puts both executables in %ProgramFiles%\probe\. The child runs in a job
 * object that kills it when the host goes; it is restarted 1, 2, 4 ... 60 s after it exits (back to
 * 1 s once it ran a minute) and is ended on stop or shutdown: the agent appends every sample to its
 * disk buffer before sending it, so ending it loses nothing (a service has no console to send it a
 * Ctrl+C). Its output and the host's own lines go to %ProgramData%\probe\agent.log; past 5 MiB that
 * file becomes agent.log.1 (replacing the older one).
 *
 * The REG_SZ or REG_EXPAND_SZ value `Command` under
 * HKLM\SYSTEM\CurrentControlSet\Services\probe-agent\Parameters replaces the command line (tests).
 *
 * Build (Debian: gcc-mingw-w64-x86-64): packaging/service-host.mjs.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shlobj.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SERVICE_NAME L"probe-agent"
#define PARAMETERS_KEY L"SYSTEM\\CurrentControlSet\\Services\\probe-agent\\Parameters"
#define LOG_MAX_BYTES (5 << 20)
#define FIRST_DELAY_MS 1000
#define MAX_DELAY_MS 60000
#define CMD_CHARS 4096

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status = { SERVICE_WIN32_OWN_PROCESS };
static HANDLE stop_event;
static CRITICAL_SECTION log_lock;
static HANDLE log_file = INVALID_HANDLE_VALUE;
static WCHAR data_dir[MAX_PATH], log_path[MAX_PATH], old_log_path[MAX_PATH];

/* dir\name into out, MAX_PATH characters at most and always terminated. */
static void path_join(WCHAR *out, const WCHAR *dir, const WCHAR *name) {
  _snwprintf(out, MAX_PATH, L"%ls\\%ls", dir, name);
  out[MAX_PATH - 1] = 0;
}

static void report(DWORD state, DWORD exit_code, DWORD wait_hint) {
  status.dwCurrentState = state;
  status.dwWin32ExitCode = exit_code;
  status.dwWaitHint = wait_hint;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  status.dwCheckPoint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : status.dwCheckPoint + 1;
  SetServiceStatus(status_handle, &status);
}

static HANDLE open_log(void) {
  return CreateFileW(log_path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                     OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* Appends to the log; a log that would grow past LOG_MAX_BYTES is first renamed agent.log.1. */
static void log_write(const char *bytes, DWORD count) {
  LARGE_INTEGER size;
  DWORD written;
  EnterCriticalSection(&log_lock);
  if (log_file != INVALID_HANDLE_VALUE && GetFileSizeEx(log_file, &size) && size.QuadPart + count > LOG_MAX_BYTES) {
    CloseHandle(log_file);
    MoveFileExW(log_path, old_log_path, MOVEFILE_REPLACE_EXISTING);
    log_file = open_log();
  }
  if (log_file != INVALID_HANDLE_VALUE) WriteFile(log_file, bytes, count, &written, NULL);
  LeaveCriticalSection(&log_lock);
}

/* One line of the host's own, with a UTC time stamp. */
static void note(const char *format, ...) {
  char line[1024];
  SYSTEMTIME t;
  va_list args;
  size_t n;
  GetSystemTime(&t);
  n = (size_t)snprintf(line, sizeof line, "%04u-%02u-%02uT%02u:%02u:%02uZ probe-service: ", t.wYear, t.wMonth,
                       t.wDay, t.wHour, t.wMinute, t.wSecond);
  va_start(args, format);
  vsnprintf(line + n, sizeof line - n - 1, format, args);
  va_end(args);
  line[sizeof line - 2] = 0;
  n = strlen(line);
  line[n++] = '\n';
  log_write(line, (DWORD)n);
}

/* The command line from the registry, else probe.exe next to this file with the fixed config. */
static void child_command(WCHAR *command, char *utf8, int utf8_size) {
  DWORD bytes = CMD_CHARS * sizeof(WCHAR);
  WCHAR self[MAX_PATH], *slash;
  /* RRF_RT_REG_SZ takes a REG_EXPAND_SZ too, expanded (naming RRF_RT_REG_EXPAND_SZ is error 87). */
  if (RegGetValueW(HKEY_LOCAL_MACHINE, PARAMETERS_KEY, L"Command", RRF_RT_REG_SZ, NULL, command, &bytes) != ERROR_SUCCESS) {
    GetModuleFileNameW(NULL, self, MAX_PATH);
    slash = wcsrchr(self, L'\\');
    if (slash) *slash = 0;
    _snwprintf(command, CMD_CHARS, L"\"%ls\\probe.exe\" agent --config \"%ls\\agent.json\"", self, data_dir);
    command[CMD_CHARS - 1] = 0;
  }
  WideCharToMultiByte(CP_UTF8, 0, command, -1, utf8, utf8_size, NULL, NULL);
  utf8[utf8_size - 1] = 0;
}

/* Copies the child's output into the log until every writer of the pipe has closed it. */
static DWORD WINAPI copy_output(LPVOID pipe) {
  char buffer[4096];
  DWORD count;
  while (ReadFile(pipe, buffer, sizeof buffer, &count, NULL) && count > 0) log_write(buffer, count);
  CloseHandle(pipe);
  return 0;
}

/* Starts the child inside `job`, its output into the log through a pipe; NULL if it could not. */
static HANDLE start_child(HANDLE job, WCHAR *command, HANDLE *copier) {
  SECURITY_ATTRIBUTES inherit = { sizeof inherit, NULL, TRUE };
  STARTUPINFOW startup = { sizeof startup };
  PROCESS_INFORMATION child;
  HANDLE read_end, write_end, null_in;
  *copier = NULL;
  if (!CreatePipe(&read_end, &write_end, &inherit, 0)) return NULL;
  SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
  null_in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = null_in;
  startup.hStdOutput = write_end;
  startup.hStdError = write_end;
  /* Suspended until it is in the job, so nothing it starts can escape the job. */
  BOOL started = CreateProcessW(NULL, command, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_NO_WINDOW, NULL,
                                data_dir, &startup, &child);
  DWORD error = GetLastError();
  CloseHandle(write_end);
  if (null_in != INVALID_HANDLE_VALUE) CloseHandle(null_in);
  if (!started) {
    CloseHandle(read_end);
    note("cannot start the agent (Windows error %lu)", error);
    return NULL;
  }
  if (!AssignProcessToJobObject(job, child.hProcess)) note("cannot put the agent in a job (Windows error %lu)", GetLastError());
  *copier = CreateThread(NULL, 0, copy_output, read_end, 0, NULL);
  if (!*copier) CloseHandle(read_end);
  ResumeThread(child.hThread);
  CloseHandle(child.hThread);
  note("started the agent, process %lu", child.dwProcessId);
  return child.hProcess;
}

static DWORD WINAPI control(DWORD code, DWORD type, LPVOID data, LPVOID context) {
  (void)type, (void)data, (void)context;
  switch (code) {
  case SERVICE_CONTROL_STOP:
  case SERVICE_CONTROL_SHUTDOWN:
    report(SERVICE_STOP_PENDING, NO_ERROR, 10000);
    SetEvent(stop_event);
    return NO_ERROR;
  case SERVICE_CONTROL_INTERROGATE:
    return NO_ERROR;
  default:
    return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  static WCHAR command[CMD_CHARS];
  static char command_utf8[CMD_CHARS * 3];
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = { 0 };
  DWORD delay_ms = FIRST_DELAY_MS, exit_code = 0;
  HANDLE job, child, copier, waits[2];
  WCHAR program_data[MAX_PATH];
  (void)argc, (void)argv;

  status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control, NULL);
  if (!status_handle) return;
  report(SERVICE_START_PENDING, NO_ERROR, 3000);
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  InitializeCriticalSection(&log_lock);
  /* The known folder, not %ProgramData%: a service's environment may say otherwise (Wine's does). */
  if (SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA, NULL, SHGFP_TYPE_CURRENT, program_data) != S_OK)
    ExpandEnvironmentStringsW(L"%ProgramData%", program_data, MAX_PATH);
  path_join(data_dir, program_data, L"probe");
  CreateDirectoryW(data_dir, NULL);
  path_join(log_path, data_dir, L"agent.log");
  path_join(old_log_path, data_dir, L"agent.log.1");
  log_file = open_log();
  child_command(command, command_utf8, sizeof command_utf8);

  job = CreateJobObjectW(NULL, NULL);
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!job || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
    DWORD error = GetLastError();
    note("cannot create a job object (Windows error %lu)", error);
    report(SERVICE_STOPPED, error, 0);
    return;
  }
  report(SERVICE_RUNNING, NO_ERROR, 0);
  note("service started (process %lu); the agent's command: %s", GetCurrentProcessId(), command_utf8);

  for (;;) {
    ULONGLONG started = GetTickCount64();
    child = start_child(job, command, &copier);
    if (child) {
      waits[0] = stop_event;
      waits[1] = child;
      if (WaitForMultipleObjects(2, waits, FALSE, INFINITE) == WAIT_OBJECT_0) {
        TerminateJobObject(job, 1);
        WaitForSingleObject(child, 5000);
        if (copier) WaitForSingleObject(copier, 2000), CloseHandle(copier);
        CloseHandle(child);
        break;
      }
      GetExitCodeProcess(child, &exit_code);
      CloseHandle(child);
      if (GetTickCount64() - started >= MAX_DELAY_MS) delay_ms = FIRST_DELAY_MS;
      if (copier) WaitForSingleObject(copier, 2000);
      note("the agent exited with code %lu; starting it again in %lu s", exit_code, delay_ms / 1000);
    }
    if (copier) CloseHandle(copier);
    if (WaitForSingleObject(stop_event, delay_ms) == WAIT_OBJECT_0) break;
    delay_ms = delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : delay_ms * 2;
  }
  note("service stopped");
  CloseHandle(job);
  report(SERVICE_STOPPED, NO_ERROR, 0);
}

int wmain(void) {
  SERVICE_TABLE_ENTRYW table[] = { { SERVICE_NAME, service_main }, { NULL, NULL } };
  if (StartServiceCtrlDispatcherW(table)) return 0;
  if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
    fputs("probe-service.exe runs the probe agent as the Windows service probe-agent; Windows starts it.\n"
          "Install the service with: probe.exe install agent --server wss://... --key ...\n", stderr);
    return 2;
  }
  return (int)GetLastError();
}
