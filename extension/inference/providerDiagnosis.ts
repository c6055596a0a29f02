// Turns onnxruntime's execution-provider errors (long native messages with source paths) into one sentence a user
// can act on: what is missing and what to install. Also the per-platform facts about which providers can exist.

export type ExecutionProvider = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';
/** `auto` times every available provider on the model and keeps the fastest. */
export type ProviderChoice = ExecutionProvider | 'auto';

export const ALL_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];
export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['auto', ...ALL_PROVIDERS];

/** Which platforms each provider can exist on in onnxruntime-node 1.30's prebuilt binaries. */
export const PROVIDER_PLATFORMS: Record<ExecutionProvider, readonly string[]> = {
  cuda: ['linux', 'win32'],
  // Dawn: Vulkan on Linux, D3D12 on Windows, Metal on macOS (bundled in linux-x64, win32 and darwin builds).
  webgpu: ['linux', 'win32', 'darwin'],
  dml: ['win32'],
  coreml: ['darwin'],
  cpu: ['linux', 'win32', 'darwin', 'freebsd', 'openbsd', 'sunos', 'aix', 'android', 'haiku', 'cygwin', 'netbsd'],
};

/** The command that adds the CUDA 12 provider to an installed onnxruntime-node (run where the network allows). */
export const CUDA_INSTALL_HINT = 'run "gfl-lens doctor --install-cuda" (onnxruntime-node\'s own install step for its CUDA 12 binaries; needs network access to the NuGet feed)';

/**
 * Parses a provider list as given on the command line or in the settings ("auto", or names in order).
 * Throws with the accepted names when one is unknown or when "auto" is mixed with names.
 */
export function parseProviderList(values: readonly string[], source: string): ProviderChoice[] {
  const list = values.map((p) => String(p).trim().toLowerCase()).filter(Boolean);
  const unknown = list.filter((p) => !PROVIDER_CHOICES.includes(p as ProviderChoice));
  if (unknown.length) throw new Error(`${source}: unknown provider ${unknown.join(', ')}; choose "auto" or from ${ALL_PROVIDERS.join(', ')}`);
  if (list.includes('auto') && list.length > 1) throw new Error(`${source}: "auto" times every available provider by itself; give it alone or list providers in order`);
  return list as ProviderChoice[];
}

/**
 * One actionable sentence for a session-creation (or first-run) failure of `provider`, from onnxruntime's message.
 * `platform` picks the driver advice (Vulkan on Linux, D3D12 on Windows, Metal on macOS).
 */
export function explainProviderError(provider: ExecutionProvider, message: string, platform: string): string {
  const first = message.split('\n').map((l) => l.trim()).find(Boolean) ?? message;
  const detail = first.replace(/^\/?[\w./-]*onnxruntime[\w./-]*:\d+\s+/, '').replace(/^[\w:<>()&, ]*?::<lambda\(\)>\s*/, '').slice(0, 240);
  if (provider === 'webgpu') {
    if (/adapter|No supported adapters|RequestAdapter/i.test(message)) {
      const driver = platform === 'linux'
        ? 'install a Vulkan driver and the Vulkan loader (Debian/Ubuntu: libvulkan1 plus mesa-vulkan-drivers or the GPU vendor\'s driver), or point VK_ICD_FILENAMES at one'
        : platform === 'win32' ? 'update the GPU driver (WebGPU needs Direct3D 12, Windows 10 or later)'
          : 'WebGPU needs Metal (macOS 11 or later on a Metal-capable GPU)';
      return `no WebGPU adapter found: ${driver}`;
    }
    if (/device lost|DeviceLost|out of memory/i.test(message)) return `the WebGPU device failed (${detail}): the GPU may be busy or out of memory`;
  }
  if (provider === 'cuda') {
    const lib = /(lib[\w.-]*(?:cudart|cublas|cublasLt|cudnn|cufft|curand|nvrtc)[\w.-]*)/i.exec(message)?.[1]
      ?? /((?:cudart|cublas|cublasLt|cudnn|cufft|curand)64_[\w.]*\.dll)/i.exec(message)?.[1];
    if (lib) return `CUDA libraries missing: ${lib} cannot be loaded; install CUDA 12.x and cuDNN 9 (or put their lib folders on ${platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH'})`;
    if (/driver version is insufficient|CUDA driver version|cudaErrorInsufficientDriver/i.test(message)) return 'NVIDIA driver too old for CUDA 12: update to driver 525 or later';
    if (/no CUDA-capable device|cudaErrorNoDevice|CUDA failure 100/i.test(message)) return 'no NVIDIA GPU found (no CUDA-capable device is detected)';
    if (/libonnxruntime_providers_cuda|onnxruntime_providers_cuda/i.test(message)) return `CUDA provider library not installed: ${CUDA_INSTALL_HINT}`;
  }
  if (provider === 'dml' && /DXGI|D3D12|adapter/i.test(message)) return `no DirectX 12 GPU adapter usable by DirectML (${detail}): update the GPU driver`;
  if (provider === 'coreml' && /CoreML|MLModel/i.test(message)) return `CoreML could not compile this model (${detail})`;
  return `failed to initialise: ${detail}`;
}
