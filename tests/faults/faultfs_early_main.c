/* Links faultfs_early so that its constructor runs; does nothing itself. */
int faultfs_early_linked(void);

int main(void) { return faultfs_early_linked() == 1 ? 0 : 1; }
