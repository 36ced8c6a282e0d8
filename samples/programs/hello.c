/* hello.exe: the canonical first program. printf and puts through msvcrt.dll, return 0. */
#include <stdio.h>

int main(void)
{
    printf("Hello, %s!\n", "world");
    puts("hello.exe: printf and puts");
    printf("%d + %d = %d\n", 2, 3, 2 + 3);
    return 0;
}
