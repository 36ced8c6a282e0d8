/* files.exe: file I/O in the current directory, through msvcrt stdio, the msvcrt low-level
 * (_open/_lseek/_read) layer and kernel32 (CreateFileW/WriteFile/ReadFile/SetFilePointer).
 * Creates ntrace_files_a.txt, writes, reads back, seeks, appends, renames it to
 * ntrace_files_b.txt, removes it and checks it is gone; then the same with ntrace_files_w.bin
 * through CreateFileW. Prints each verified step; exits 0 when all passed, else the number of
 * failed checks. Leaves no file behind. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <io.h>
#include <fcntl.h>
#include <sys/stat.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok:" : "FAILED:", what);
    if (!ok)
        failures++;
}

static void stdio_part(void)
{
    const char *a = "ntrace_files_a.txt", *b = "ntrace_files_b.txt";
    remove(a);
    remove(b);

    FILE *f = fopen(a, "w");            /* text mode: "\n" becomes "\r\n" on disk */
    check(f != NULL, "fopen w");
    if (!f)
        return;
    for (int i = 1; i <= 5; i++)
        fprintf(f, "line %d: %s\n", i, i % 2 ? "odd" : "even");
    check(fclose(f) == 0, "fclose");

    f = fopen(a, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    printf("size on disk %ld bytes (CRLF line ends)\n", size);
    check(size == 67, "ftell at end = 67 bytes written (CRLF line ends)");
    fseek(f, 13, SEEK_SET);             /* "line 1: odd\r\n" is 13 bytes */
    char buf[64] = "";
    fgets(buf, sizeof buf, f);
    printf("at 13: %.*s\n", (int)strcspn(buf, "\r\n"), buf);
    check(strcmp(buf, "line 2: even\r\n") == 0, "fseek SEEK_SET + fgets (binary)");
    fseek(f, -13, SEEK_END);
    fgets(buf, sizeof buf, f);
    check(strcmp(buf, "line 5: odd\r\n") == 0, "fseek SEEK_END + fgets");
    long pos = ftell(f);
    check(pos == size, "ftell after last line");
    fclose(f);

    f = fopen(a, "r");                  /* text mode reads "\r\n" as "\n" */
    int lines = 0, chars = 0, crs = 0, c;
    while ((c = fgetc(f)) != EOF) {
        chars++;
        lines += c == '\n';
        crs += c == '\r';
    }
    fclose(f);
    printf("text mode: %d lines, %d characters, %d CR\n", lines, chars, crs);
    check(lines == 5 && chars == size - 5 && crs == 0, "text mode reads CRLF as LF");

    f = fopen(a, "a");
    fputs("appended\n", f);
    fclose(f);

    int fd = _open(a, _O_RDONLY | _O_BINARY);
    check(fd >= 0, "_open");
    long end = _lseek(fd, 0, SEEK_END);
    _lseek(fd, -10, SEEK_END);
    char tail[16] = "";
    int n = _read(fd, tail, 10);
    _close(fd);
    printf("after append: %ld bytes, last %d: %.8s\n", end, n, tail);
    check(end == size + 10 && n == 10 && memcmp(tail, "appended\r\n", 10) == 0, "_lseek/_read after append");

    struct _stat st;
    check(_stat(a, &st) == 0 && st.st_size == end, "_stat size");

    check(rename(a, b) == 0, "rename");
    check(_access(a, 0) != 0, "old name gone after rename");
    f = fopen(b, "r");
    check(f != NULL, "new name opens");
    if (f) {
        fgets(buf, sizeof buf, f);
        check(strcmp(buf, "line 1: odd\n") == 0, "content kept by rename");
        fclose(f);
    }
    check(remove(b) == 0, "remove");
    check(fopen(b, "r") == NULL, "removed file does not open");
    check(GetFileAttributesA(b) == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND,
          "GetFileAttributesA: ERROR_FILE_NOT_FOUND");
}

static void win32_part(void)
{
    const WCHAR *w = L"ntrace_files_w.bin";
    DeleteFileW(w);
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    check(h != INVALID_HANDLE_VALUE, "CreateFileW CREATE_NEW");
    if (h == INVALID_HANDLE_VALUE)
        return;
    unsigned char data[4096];
    for (int i = 0; i < (int)sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));
    DWORD done = 0;
    check(WriteFile(h, data, sizeof data, &done, NULL) && done == sizeof data, "WriteFile 4096 bytes");
    check(SetFilePointer(h, 1000, NULL, FILE_BEGIN) == 1000, "SetFilePointer FILE_BEGIN");
    unsigned char back[100];
    check(ReadFile(h, back, sizeof back, &done, NULL) && done == sizeof back &&
          memcmp(back, data + 1000, sizeof back) == 0, "ReadFile at 1000");
    check(SetFilePointer(h, 0, NULL, FILE_CURRENT) == 1100, "SetFilePointer FILE_CURRENT");
    check(SetFilePointer(h, -96, NULL, FILE_END) == 4000, "SetFilePointer FILE_END");
    check(ReadFile(h, back, sizeof back, &done, NULL) && done == 96, "short ReadFile at the end");
    check(ReadFile(h, back, sizeof back, &done, NULL) && done == 0, "ReadFile at EOF reads 0");
    LARGE_INTEGER size;
    check(GetFileSizeEx(h, &size) && size.QuadPart == 4096, "GetFileSizeEx");
    check(SetFilePointer(h, 2048, NULL, FILE_BEGIN) == 2048 && SetEndOfFile(h), "SetEndOfFile");
    check(GetFileSize(h, NULL) == 2048, "GetFileSize after truncation");
    CloseHandle(h);

    HANDLE again = CreateFileW(w, GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL);
    check(again == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS, "CREATE_NEW on existing: ERROR_FILE_EXISTS");
    unsigned sum = 0;
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    while (ReadFile(h, back, sizeof back, &done, NULL) && done)
        for (DWORD i = 0; i < done; i++)
            sum = sum * 31 + back[i];
    CloseHandle(h);
    printf("checksum of the 2048 bytes: %08x\n", sum);
    check(MoveFileW(w, L"ntrace_files_w2.bin"), "MoveFileW");
    check(DeleteFileW(L"ntrace_files_w2.bin"), "DeleteFileW");
    check(GetFileAttributesW(L"ntrace_files_w2.bin") == INVALID_FILE_ATTRIBUTES, "gone");
}

int main(void)
{
    stdio_part();
    win32_part();
    printf("files: %d failures\n", failures);
    return failures;
}
