#include <sys/mman.h>
#include <stdio.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int c, char**v){
  size_t n=64<<20; double t=now();
  char*p=mmap(0,n,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
  for(size_t i=0;i<n;i+=4096)p[i]=1;
  printf("anon 4k touch: %.1f us/page\n",(now()-t)*1000/(n/4096));
  t=now(); p=mmap(0,n,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0); madvise(p,n,MADV_HUGEPAGE);
  for(size_t i=0;i<n;i+=4096)p[i]=1;
  printf("anon THP touch: %.1f us/4k page\n",(now()-t)*1000/(n/4096));
  int fd=open(v[1],O_RDONLY); size_t m=lseek(fd,0,SEEK_END)&~4095UL;
  t=now(); volatile char s=0; char*q=mmap(0,m,PROT_READ|PROT_WRITE,MAP_PRIVATE,fd,0);
  for(size_t i=0;i<m;i+=4096)s+=q[i];
  printf("file read fault: %.1f us/page\n",(now()-t)*1000/(m/4096));
  t=now(); for(size_t i=0;i<m;i+=4096)q[i]=1;
  printf("file cow fault: %.1f us/page\n",(now()-t)*1000/(m/4096));
  t=now(); q=mmap(0,m,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_POPULATE,fd,0);
  printf("file populate: %.1f us/page\n",(now()-t)*1000/(m/4096));
  t=now(); q=mmap(0,m,PROT_READ|PROT_WRITE,MAP_PRIVATE,fd,0); for(size_t i=0;i<m;i+=4096)q[i]=1;
  printf("file cow fault direct: %.1f us/page\n",(now()-t)*1000/(m/4096));
  return 0;}
